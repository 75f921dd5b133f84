"""Data: readers for files and `datasets`, format normalisation to conversations, batching."""

from posttrain.data.formats import DataError, load_conversations, to_conversation
from posttrain.data.readers import read_records

__all__ = ["DataError", "load_conversations", "to_conversation", "read_records"]
