"""The tenant's knowledge base: documents split into chunks (chunking), folded into terms
(terms), embedded (embedding) and searched by BM25 and dense vectors fused by reciprocal rank
(index)."""
