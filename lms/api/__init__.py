"""The JSON face: learning records read through the access policy."""
