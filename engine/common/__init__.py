"""What every other part of the engine stands on: where files live, the operator's settings, who may do what.

`paths` (the data directory and its folders, safe file names, cache entries written under a temporary name and
renamed into place), `disk` (a full disk said in the user's words), `settings` (environment variables, read on each
call), `access` (who may train, stop or delete, and which server paths a typed reference may name), `hub` (reaching
the Hugging Face Hub or failing fast), `errors` (the user-error base class), `limits` (how much one request may ask:
every size a user can set or send) and `uploads` (users' files checked before they are read). It imports nothing
from the other engine subpackages.
"""
