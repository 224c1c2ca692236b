# A GPU server for the course: docker build -t dl-course . && docker run --gpus all -p 8501:8501 dl-course
# The TensorFlow GPU image brings CUDA and cuDNN; without a GPU the same image trains on the CPU.
FROM tensorflow/tensorflow:2.20.0-gpu

RUN apt-get update && apt-get install -y --no-install-recommends dataset-fashion-mnist curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

# One training job per GPU at a time; raise it for big cards (see lib/gate.py).
ENV COURSE_MAX_JOBS=1 TF_CPP_MIN_LOG_LEVEL=2
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD curl -fs http://localhost:8501/_stcore/health || exit 1
CMD ["streamlit", "run", "streamlit_app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
