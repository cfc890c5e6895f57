# Hugging Face Spaces style (Docker SDK): port 7860, a non-root user with uid 1000, writable data under $HOME.
FROM python:3.11-slim

# /data owned by the user: a named volume mounted there (`docker run -v studio-data:/data`) starts as a copy of
# this folder, so the app can write to it; without it, root would own the volume and the app's data would fall
# back to the home, lost with the container.
RUN useradd --create-home --uid 1000 user && install -d -o user -g user /data
USER user
# No STUDIO_DATA_DIR here: the app picks /data/studio-data when /data is writable (a Space's persistent storage,
# or the volume above), else ./studio-data in the home (engine/paths.py). `docker run -e STUDIO_DATA_DIR=...`
# chooses another.
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860
WORKDIR /home/user/app

# Requirements before the source: editing the code does not reinstall them (Docker's layer cache).
# torch first, from the CPU wheel index: the default PyPI wheel pulls several GB of CUDA libraries.
# On a GPU Space, build with --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
COPY --chown=user requirements.txt .
RUN pip install --no-cache-dir --user --index-url "$TORCH_INDEX" torch==2.13.0 \
    && pip install --no-cache-dir --user -r requirements.txt

COPY --chown=user . .
EXPOSE 7860
CMD ["python", "app.py"]
