"""The bottom layer: time parsing, units, cache-expiry constants and the ``Fetcher`` protocol the engines use.

Nothing here imports any other part of the package.
"""
