"""Matching a portfolio and an artist profile against dataset rows."""
