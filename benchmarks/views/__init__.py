"""Benchmark pages: the scores (nation, prefecture, municipality), the national datasets and notes on scores."""
