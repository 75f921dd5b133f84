"""Evaluation: perplexity (in/out of domain), benchmarks, win rates, human rating sheets."""
