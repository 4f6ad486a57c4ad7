"""Personal data under the GDPR: the privacy notice, each person's archive, erasure, retention."""
