"""The hub: the municipality's shared store for all kiosks and the reception desk."""
