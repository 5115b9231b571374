"""The confusion matrix as a labelled PNG."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from highlights.atomic import atomic_write_bytes  # noqa: E402


def plot_confusion(report: dict, path: str | Path) -> Path:
    """Writes the report's confusion matrix with counts in the cells; rows true, columns predicted."""
    cm = report["confusion_matrix"]
    labels = cm["labels"]
    matrix = np.asarray(cm["matrix"])
    size = 1.2 + 0.9 * len(labels)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    try:
        image = ax.imshow(matrix, cmap="Blues")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ax.set_xticks(range(len(labels)), labels=labels, rotation=35, ha="right")
        ax.set_yticks(range(len(labels)), labels=labels)
        ax.set_xlabel(cm["columns"])
        ax.set_ylabel(cm["rows"])
        ax.set_title(f"accuracy {report['accuracy']:.3f}, macro-F1 {report['macro_f1']:.3f}, n={report['num_clips']}")
        threshold = matrix.max() / 2 if matrix.size and matrix.max() > 0 else 0
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                colour = "white" if matrix[i, j] > threshold else "black"
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=colour)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=120)
    finally:
        plt.close(fig)
    return atomic_write_bytes(path, buffer.getvalue())
