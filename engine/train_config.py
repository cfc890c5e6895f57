"""The settings of one fine-tuning run, validated as soon as they are made."""

from dataclasses import asdict, dataclass, fields, replace

from engine.models import default_hyperparameters, parse_model_ref


@dataclass(frozen=True)
class TrainConfig:
    """What to fine-tune, on what, and how.

    `epochs` and `learning_rate` left as None take defaults that suit the model (see
    `engine.models.default_hyperparameters`): a scratch model needs more of both than a pretrained one.
    """

    dataset: str
    model: str
    dataset_config: str | None = None
    text_column: str | None = None
    text_pair_column: str | None = None
    label_column: str | None = None
    epochs: float | None = None
    batch_size: int = 16
    learning_rate: float | None = None
    # 128 tokens covers the sentences and headlines this app is made for; longer inputs are truncated.
    max_length: int = 128
    seed: int = 42

    def __post_init__(self) -> None:
        if not self.dataset or not self.dataset.strip():
            raise ValueError("no dataset given")
        if not self.model or not self.model.strip():
            raise ValueError("no model given")
        if self.epochs is not None and not 0 < self.epochs <= 1000:
            raise ValueError(f"epochs must be in (0, 1000], not {self.epochs}")
        if not 1 <= self.batch_size <= 4096:
            raise ValueError(f"batch_size must be in [1, 4096], not {self.batch_size}")
        if self.learning_rate is not None and not 0 < self.learning_rate < 1:
            raise ValueError(f"learning_rate must be in (0, 1), not {self.learning_rate}")
        if not 8 <= self.max_length <= 8192:
            raise ValueError(f"max_length must be in [8, 8192], not {self.max_length}")
        if self.text_pair_column and self.text_pair_column == self.text_column:
            raise ValueError(f"text column and text pair column are both {self.text_column!r}")

    def with_defaults(self) -> "TrainConfig":
        """Return a copy with `epochs` / `learning_rate` filled in for this model."""
        defaults = default_hyperparameters(parse_model_ref(self.model))
        return replace(
            self,
            epochs=self.epochs if self.epochs is not None else defaults["epochs"],
            learning_rate=self.learning_rate if self.learning_rate is not None else defaults["learning_rate"],
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
