"""What a tokenizer returns, field by field, and how to read it.

`inspection` makes the exact `tokenizer(...)` call a training script makes; `info` describes the tokenizer itself;
`stats`, `compare`, `roundtrip` and `snippet` count, compare, decode and reproduce an inspection. It may import
`common` and `models` (to load a tokenizer by reference).
"""
