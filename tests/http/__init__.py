"""Tests of the V5 client: signing, errors, retries, rate limiting and the request cache."""
