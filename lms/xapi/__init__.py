"""xAPI: statement vocabulary, builders, a strict validator and an LRS client (pure, no Flask)."""
