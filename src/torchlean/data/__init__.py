"""Data: datasets, samplers and loaders in PyTorch's shapes (NumPy batches), and small datasets
that ship offline (``load_digits``)."""

from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .digits import load_digits
from .loader import DataLoader, default_collate
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = [
    "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "RandomSampler", "Sampler",
    "SequentialSampler", "Subset", "TensorDataset", "default_collate", "load_digits", "random_split",
]
