"""Train tabular regressors for the house-energy data set and compare three model styles.

A benchmark sample for flake8-keras-activation: a typical, complete training script of the
kind the plugin sees in an editor.  It is valid Python but is never run by the benchmark.

Usage:
    python keras_training_script.py --data data/energy.csv --epochs 40 --style all
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402
from tensorflow.keras import layers  # noqa: E402

LOG = logging.getLogger("energy")

FEATURES = (
    "outdoor_temp", "indoor_temp", "humidity", "wind_speed", "solar_gain", "occupancy",
    "floor_area", "insulation", "window_ratio", "hour_sin", "hour_cos", "weekday",
)
TARGET = "energy_kwh"


@dataclass
class RunConfig:
    data: Path
    out_dir: Path = Path("runs")
    style: str = "all"
    epochs: int = 40
    batch_size: int = 128
    learning_rate: float = 1e-3
    dropout: float = 0.2
    hidden: list[int] = field(default_factory=lambda: [128, 64, 32])
    validation_split: float = 0.15
    seed: int = 7
    patience: int = 6

    def to_json(self) -> str:
        data = asdict(self)
        data["data"] = str(self.data)
        data["out_dir"] = str(self.out_dir)
        return json.dumps(data, indent=2)


def parse_args(argv: list[str] | None = None) -> RunConfig:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="CSV file with a header row")
    parser.add_argument("--out-dir", type=Path, default=Path("runs"))
    parser.add_argument(
        "--style", choices=("sequential", "functional", "subclassed", "all"), default="all"
    )
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 64, 32])
    parser.add_argument("--validation-split", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--patience", type=int, default=6)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    return RunConfig(
        data=args.data,
        out_dir=args.out_dir,
        style=args.style,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        dropout=args.dropout,
        hidden=list(args.hidden),
        validation_split=args.validation_split,
        seed=args.seed,
        patience=args.patience,
    )


# --------------------------------------------------------------------------- data


def load_table(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features and target from a CSV file whose header names the columns."""
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    raw = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=np.float64)
    if raw.ndim == 1:
        raw = raw[None, :]
    columns = {name: i for i, name in enumerate(header)}
    missing = [name for name in (*FEATURES, TARGET) if name not in columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    x = raw[:, [columns[name] for name in FEATURES]]
    y = raw[:, columns[TARGET]]
    keep = np.isfinite(x).all(axis=1) & np.isfinite(y)
    LOG.info("loaded %d rows, dropped %d with missing values", keep.sum(), (~keep).sum())
    return x[keep].astype(np.float32), y[keep].astype(np.float32)


def split(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    cut = int(len(x) * (1.0 - fraction))
    train, test = order[:cut], order[cut:]
    return (x[train], y[train]), (x[test], y[test])


def standardize(train: np.ndarray, *others: np.ndarray):
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0] = 1.0
    scaled = [(train - mean) / std] + [(other - mean) / std for other in others]
    return scaled, (mean, std)


def make_dataset(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(buffer_size=min(len(x), 10_000), reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------- models


def build_sequential(cfg: RunConfig, n_features: int) -> keras.Model:
    model = keras.Sequential(name="sequential_mlp")
    model.add(keras.Input(shape=(n_features,)))
    for width in cfg.hidden:
        model.add(layers.Dense(width, activation="relu", kernel_initializer="he_normal"))
        model.add(layers.BatchNormalization())
        model.add(layers.Dropout(cfg.dropout))
    model.add(layers.Dense(1))
    return model


def build_functional(cfg: RunConfig, n_features: int) -> keras.Model:
    inputs = keras.Input(shape=(n_features,), name="features")
    weather = layers.Lambda(lambda t: t[:, :5], name="weather")(inputs)
    building = layers.Lambda(lambda t: t[:, 5:], name="building")(inputs)

    w = layers.Dense(32, activation="relu")(weather)
    w = layers.BatchNormalization()(w)
    w = layers.Dense(16, activation="relu")(w)

    b = layers.Dense(32, activation="relu")(building)
    b = layers.Dropout(cfg.dropout)(b)
    b = layers.Dense(16, activation="relu")(b)

    merged = layers.Concatenate()([w, b])
    hidden = layers.Dense(cfg.hidden[-1], activation="relu")(merged)
    hidden = layers.Dropout(cfg.dropout)(hidden)
    output = layers.Dense(1, name="energy")(hidden)
    return keras.Model(inputs=inputs, outputs=output, name="functional_two_tower")


class ResidualBlock(layers.Layer):
    def __init__(self, width: int, dropout: float, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.dense_a = layers.Dense(width, activation="relu")
        self.dense_b = layers.Dense(width)
        self.norm = layers.LayerNormalization()
        self.drop = layers.Dropout(dropout)
        self.act = layers.Activation("relu")

    def call(self, inputs, training=False):
        h = self.dense_a(inputs)
        h = self.drop(h, training=training)
        h = self.dense_b(h)
        return self.act(self.norm(inputs + h))

    def get_config(self):
        config = super().get_config()
        config.update({"width": self.width, "dropout": self.drop.rate})
        return config


class ResidualRegressor(keras.Model):
    def __init__(self, width: int = 64, depth: int = 3, dropout: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.stem = layers.Dense(width, activation="relu")
        self.blocks = [ResidualBlock(width, dropout, name=f"block_{i}") for i in range(depth)]
        self.head = layers.Dense(1)

    def call(self, inputs, training=False):
        h = self.stem(inputs)
        for block in self.blocks:
            h = block(h, training=training)
        return self.head(h)


def build_model(style: str, cfg: RunConfig, n_features: int) -> keras.Model:
    if style == "sequential":
        return build_sequential(cfg, n_features)
    if style == "functional":
        return build_functional(cfg, n_features)
    if style == "subclassed":
        model = ResidualRegressor(width=cfg.hidden[0], depth=3, dropout=cfg.dropout)
        model.build((None, n_features))
        return model
    raise ValueError(f"unknown model style {style!r}")


# --------------------------------------------------------------------------- training


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)
        if logs is not None:
            logs["epoch_seconds"] = self.times[-1]


def make_callbacks(cfg: RunConfig, run_dir: Path) -> list[keras.callbacks.Callback]:
    return [
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=cfg.patience, restore_best_weights=True
        ),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3, min_lr=1e-5),
        keras.callbacks.ModelCheckpoint(
            filepath=str(run_dir / "best.keras"), monitor="val_loss", save_best_only=True
        ),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv")),
        keras.callbacks.TensorBoard(log_dir=str(run_dir / "tb"), histogram_freq=0),
        EpochTimer(),
    ]


def compile_model(model: keras.Model, cfg: RunConfig) -> None:
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=cfg.learning_rate, decay_steps=cfg.epochs * 100
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        loss=keras.losses.Huber(delta=1.0),
        metrics=[keras.metrics.MeanAbsoluteError(name="mae"), keras.metrics.RootMeanSquaredError()],
    )


def train_one(style: str, cfg: RunConfig, data) -> dict:
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = data
    run_dir = cfg.out_dir / style
    run_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(cfg.seed)

    model = build_model(style, cfg, x_train.shape[1])
    compile_model(model, cfg)
    model.summary(print_fn=LOG.debug)

    train_ds = make_dataset(x_train, y_train, cfg.batch_size, shuffle=True)
    val_ds = make_dataset(x_val, y_val, cfg.batch_size, shuffle=False)
    callbacks = make_callbacks(cfg, run_dir)
    start = time.perf_counter()
    history = model.fit(
        train_ds, validation_data=val_ds, epochs=cfg.epochs, callbacks=callbacks, verbose=2
    )
    elapsed = time.perf_counter() - start

    results = model.evaluate(x_test, y_test, batch_size=cfg.batch_size, return_dict=True, verbose=0)
    predictions = model.predict(x_test, batch_size=cfg.batch_size, verbose=0).reshape(-1)
    residuals = y_test - predictions
    summary = {
        "style": style,
        "params": int(model.count_params()),
        "epochs_run": len(history.history["loss"]),
        "train_seconds": round(elapsed, 2),
        "test": {k: float(v) for k, v in results.items()},
        "residual_p95": float(np.percentile(np.abs(residuals), 95)),
    }
    model.save(run_dir / "final.keras")
    plot_history(history.history, run_dir / "history.png", title=style)
    plot_predictions(y_test, predictions, run_dir / "predictions.png", title=style)
    return summary


# --------------------------------------------------------------------------- reporting


def plot_history(history: dict, path: Path, title: str) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(history["loss"], label="train")
    axes[0].plot(history["val_loss"], label="validation")
    axes[0].set_yscale("log")
    axes[0].set_title(f"{title}: Huber loss")
    axes[1].plot(history["mae"], label="train")
    axes[1].plot(history["val_mae"], label="validation")
    axes[1].set_title(f"{title}: mean absolute error")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_predictions(y_true: np.ndarray, y_pred: np.ndarray, path: Path, title: str) -> None:
    lo = float(min(y_true.min(), y_pred.min()))
    hi = float(max(y_true.max(), y_pred.max()))
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(y_true, y_pred, s=4, alpha=0.4)
    ax.plot([lo, hi], [lo, hi], color="black", linewidth=1)
    ax.set_xlabel("measured kWh")
    ax.set_ylabel("predicted kWh")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_comparison(summaries: list[dict], path: Path) -> None:
    names = [s["style"] for s in summaries]
    maes = [s["test"]["mae"] for s in summaries]
    fig, ax = plt.subplots(figsize=(6, 4))
    bars = ax.bar(names, maes, color=["#4c72b0", "#dd8452", "#55a868"][: len(names)])
    for bar, value in zip(bars, maes):
        ax.annotate(f"{value:.3f}", (bar.get_x() + bar.get_width() / 2, value), ha="center")
    ax.set_ylabel("test MAE (kWh)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(summaries: list[dict], cfg: RunConfig) -> Path:
    report = cfg.out_dir / "report.md"
    rows = [
        "| style | params | epochs | seconds | test MAE | p95 residual |",
        "|---|---|---|---|---|---|",
    ]
    for s in sorted(summaries, key=lambda item: item["test"]["mae"]):
        rows.append(
            f"| {s['style']} | {s['params']:,} | {s['epochs_run']} | {s['train_seconds']} "
            f"| {s['test']['mae']:.4f} | {s['residual_p95']:.3f} |"
        )
    report.write_text("# Energy regressors\n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (cfg.out_dir / "config.json").write_text(cfg.to_json(), encoding="utf-8")
    return report


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    gpus = tf.config.list_physical_devices("GPU")
    LOG.info("TensorFlow %s, %d GPU(s)", tf.__version__, len(gpus))
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)

    x, y = load_table(cfg.data)
    (x_train, y_train), (x_test, y_test) = split(x, y, 0.2, cfg.seed)
    (x_train, y_train), (x_val, y_val) = split(
        x_train, y_train, cfg.validation_split, cfg.seed + 1
    )
    (x_train, x_val, x_test), (mean, std) = standardize(x_train, x_val, x_test)
    np.savez(cfg.out_dir / "scaler.npz", mean=mean, std=std)
    data = ((x_train, y_train), (x_val, y_val), (x_test, y_test))

    styles = ["sequential", "functional", "subclassed"] if cfg.style == "all" else [cfg.style]
    summaries = []
    for style in styles:
        LOG.info("training the %s model", style)
        try:
            summaries.append(train_one(style, cfg, data))
        except (ValueError, tf.errors.ResourceExhaustedError) as exc:
            LOG.error("%s model failed: %s", style, exc)
    if not summaries:
        return 1
    if len(summaries) > 1:
        plot_comparison(summaries, cfg.out_dir / "comparison.png")
    report = write_report(summaries, cfg)
    LOG.info("report written to %s", report)
    if os.environ.get("ENERGY_PRINT_REPORT"):
        print(report.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
