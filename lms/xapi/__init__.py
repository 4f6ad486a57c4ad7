"""xAPI: vocabulary, builders, validator, LRS client (pure); outbox, forwarder, statements API."""
