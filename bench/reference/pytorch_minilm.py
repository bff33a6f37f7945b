# ragsync — the PyTorch reference for `make bench-local`: all-MiniLM-L6-v2 as sentence-transformers runs it.
"""Embeds each file of texts (one text per line) with all-MiniLM-L6-v2 through PyTorch and Hugging Face
transformers, the way sentence-transformers' `encode` does: texts sorted by length, batches of 32 padded to their
longest, truncated at 256 wordpieces, mean pooling over the attention mask, L2 normalisation. Prints one JSON object
with the seconds each file took, model load excluded.

    python bench/reference/pytorch_minilm.py MODEL_DIR TEXTS_FILE... [--threads N]

Run by bench/local_model.py with the interpreter of `.venv-torch` (torch 2.13.0+cpu, transformers), which
`make bench-local` installs."""

import argparse
import json
import os
import time

import torch
from transformers import AutoModel, AutoTokenizer


def embed_all(tokenizer, model, texts, batch_size=32):
    order = sorted(range(len(texts)), key=lambda index: -len(texts[index]))
    vectors = [None] * len(texts)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            encoded = tokenizer([texts[index] for index in batch], padding=True, truncation=True, max_length=256,
                                return_tensors="pt")
            hidden = model(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            for index, vector in zip(batch, torch.nn.functional.normalize(pooled, dim=1)):
                vectors[index] = vector
    return vectors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("texts_files", nargs="+")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    options = parser.parse_args()
    torch.set_num_threads(options.threads)
    tokenizer = AutoTokenizer.from_pretrained(options.model_dir)
    model = AutoModel.from_pretrained(options.model_dir).eval()
    embed_all(tokenizer, model, ["warm up the kernels"] * 4)
    seconds = {}
    for path in options.texts_files:
        with open(path) as handle:
            texts = [line.rstrip("\n") for line in handle if line.strip()]
        started = time.perf_counter()
        embed_all(tokenizer, model, texts)
        seconds[path] = time.perf_counter() - started
    print(json.dumps({"torch": torch.__version__, "threads": options.threads, "seconds": seconds}))


if __name__ == "__main__":
    main()
