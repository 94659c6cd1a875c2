"""How the router learns: data loading and validation, fitting, evaluation, MLflow."""
