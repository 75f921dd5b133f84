"""Losses: pure functions of tensors (they import only torch) returning unreduced values."""
