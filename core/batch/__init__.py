"""Whole datasets against many portfolios: portable hash lists and the shard pass as Dask tasks."""
