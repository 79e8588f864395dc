# The code location's image for Kubernetes (deploy/k8s/values.yaml): the platform with the
# production instance's packages (dagster-postgres, and dagster-k8s for the K8sRunLauncher's run
# pods). The chart starts it as a code server (`dagster api grpc`, its dagsterApiGrpcArgs) and runs
# every Dagster run as a Job of the same image. Build: docker build -t REGISTRY/nba-backfill:0.1.0 .
FROM python:3.11-slim

WORKDIR /opt/nba_backfill
COPY pyproject.toml README.md ./
COPY nba_backfill ./nba_backfill
RUN pip install --no-cache-dir ".[k8s]" && useradd --create-home dagster
USER dagster

EXPOSE 3030
# The code server as the chart starts it; `docker run` of the image alone does the same.
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "3030", "-m", "nba_backfill.definitions"]
