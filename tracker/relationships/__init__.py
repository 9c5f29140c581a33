"""Business units, BRMs and IT buddies."""
