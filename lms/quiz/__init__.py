"""Quiz engine: question types, scoring, item statistics and GIFT import/export."""
