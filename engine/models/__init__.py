"""Models by reference: `scratch:<size>`, `job:<id>`, a local folder or a Hub id, resolved to what loads.

`refs` parses and resolves references, `loading` loads tokenizers (one lock for every model load in a process),
`scratch` builds the small local BERTs, `classifier` keeps loaded text classifiers warm for predictions. It may
import `common` and `datasets` (a scratch tokenizer learns from the bundled text); never `training`, `jobs` or
`inference`: a `job:<id>` is found through its folder, not the job database.
"""
