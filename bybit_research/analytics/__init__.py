"""Analytics of the toolkit's frames: options (Black-76, implied volatility, smiles, surfaces) and margin.

Pure functions of DataFrames and arrays: nothing here sends a request, reads a cache or imports the http,
fetch or store layers.
"""
