"""Storage beside the request cache: the column store of closed kline pages and the cache's administration
(:mod:`.cache_admin`: what it holds, clearing it)."""
