"""Training: one loop (`loop.train`) and one small step function per method."""
