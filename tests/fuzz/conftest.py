"""Hypothesis settings for the fuzz tests: few examples and no per-example deadline, so 2 busy cores keep up.

Every property here says the same thing about one engine entry that takes user input: any input yields a result
or one of `engine.common.errors.USER_ERRORS` with a message, never another exception.
"""

from hypothesis import HealthCheck, settings

# The autouse `studio_data_dir` fixture is function-scoped: sharing it between examples is what we want (each
# example writes its own files), so the health check that warns about it is off.
settings.register_profile(
    "studio",
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository; failures are kept as explicit @example lines
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("studio")
