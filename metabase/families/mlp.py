"""Multi-layer perceptron. Fixed: early stopping on a 10 % validation split."""

from .._space import Float, Int

NAME = "mlp"
TITLE = "Multi-layer perceptron"
SCALE = True
#: Regression targets standardised: the output layer's initial weights and Adam's steps
#: assume a target of unit scale (measured: ``tests/bench/target_scale.py``).
SCALE_TARGET = True
CATEGORICAL = "onehot"
#: Not searched; the OpenML run mapping (``sources._mapping``) checks logged runs against it.
FIXED = {"early_stopping": True, "max_iter": 200}


def space(task):
    return {
        "n_layers": Int(1, 3),
        "width": Int(16, 512, log=True),
        "alpha": Float(1e-7, 1e-1, log=True),
        "learning_rate_init": Float(1e-4, 1e-1, log=True),
    }


def defaults(task):
    return {"n_layers": 1, "width": 100, "alpha": 1e-4, "learning_rate_init": 1e-3}


def build(task, params, random_state=0, n_jobs=1, categorical_mask=None):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    p = dict(params)
    layers = (int(p.pop("width")),) * int(p.pop("n_layers"))
    cls = MLPClassifier if task == "classification" else MLPRegressor
    return cls(hidden_layer_sizes=layers, **p, **FIXED, random_state=random_state)
