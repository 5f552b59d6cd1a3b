"""Public datasets: descriptors, importing their metadata shards, and the compact local index."""
