"""automl: AutoML for tables that learns from OpenML task history.

The Python API (``automl_cli.api``, imported on first use so that ``import automl_cli``
and ``automl --help`` stay light)::

    import automl_cli
    result = automl_cli.fit("train.csv", target="price", time_budget=30)
    result.save("model-dir")
    model = automl_cli.load("model-dir")
    model.predict(frame)
"""

__all__ = ["fit", "load", "Result", "Model"]


def __getattr__(name):
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'automl_cli' has no attribute {name!r}")
