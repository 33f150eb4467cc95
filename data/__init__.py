"""Data layer: settings, errors, the dataset catalogue, loaders, validation and storage."""
