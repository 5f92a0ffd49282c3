"""`enhance` on 200 images of 1920×1080 through the job path, against a plain OpenCV loop doing the
same enhancement on the same JPEGs in the same run; then job latency from upload to result.

Images: scikit-image's bundled photographs (astronaut, coffee, chelsea, rocket, …) scaled to
1920×1080 with a different crop, brightness and noise each, encoded as JPEG (quality 90).

- Baseline: for each JPEG, ``cv2.imdecode`` → grey-world white balance → bilateral filter → levels
  and CLAHE on Lab lightness → unsharp mask → ``cv2.imencode`` (quality 92). Nothing else.
- Ours, throughput: ``services.start_operation`` for each upload (header check and reduced-scale
  decode, quota, the input stored, the job row) with the job run in-process as the worker runs it
  (claim, decode, the same enhancement plus its before/after measurements, the output stored, the
  job completed and announced on the channel layer).
- Ours, as deployed: the same 200 uploads handed to a real Celery worker on the ``images`` queue
  (Redis broker, ``-c 2`` as the Procfile runs it on 2 cores), timed until the last job succeeds.
  The baseline loop is one process, but OpenCV already spreads its work over both cores.
- Ours, one batch job: the 200 uploads checked and kept, one ``vision.batch`` job on that worker
  (two images at a time, ``VISION_BATCH_THREADS``), its outputs also zipped; timed to the end.
- Latency: each upload timed until its job has succeeded, one at a time, through that worker.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
from _harness import ROOT, setup_django

COUNT = 200
LATENCY_JOBS = 40
CONCURRENCY = 2  # the Procfile's WORKER_CONCURRENCY default on these 2-core machines
SIZE = (1920, 1080)


def photos(count: int) -> list[bytes]:
    from skimage import data

    names = ["astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "retina"]
    rng = np.random.default_rng(7)
    out = []
    for n in range(count):
        rgb = getattr(data, names[n % len(names)])()[..., :3]
        h, w = rgb.shape[:2]
        top, left = rng.integers(0, h // 8 + 1), rng.integers(0, w // 8 + 1)
        crop = rgb[top : top + h - h // 8, left : left + w - w // 8]
        img = cv2.resize(np.ascontiguousarray(crop[..., ::-1]), SIZE, interpolation=cv2.INTER_CUBIC).astype(np.float32)
        img = img * rng.uniform(0.6, 1.0) + rng.normal(0, 6, img.shape)
        _, buffer = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
        out.append(buffer.tobytes())
    return out


def plain_enhance(jpeg: bytes) -> bytes:
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    means = np.array(cv2.mean(img)[:3])
    img = cv2.transform(img, np.diag(means.mean() / means).astype(np.float32))
    img = cv2.bilateralFilter(img, 5, 50, 50)
    lab = cv2.cvtColor(img, cv2.COLOR_BGR2LAB)
    cdf = np.cumsum(cv2.calcHist([lab[..., 0]], [0], None, [256], [0, 256]).ravel())
    cdf /= cdf[-1]
    lo, hi = np.searchsorted(cdf, 0.005), np.searchsorted(cdf, 0.995)
    lut = np.clip((np.arange(256, dtype=np.float32) - lo) * 255.0 / max(1, hi - lo), 0, 255).astype(np.uint8)
    lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(cv2.LUT(lab[..., 0], lut))
    img = cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)
    img = cv2.addWeighted(img, 1.6, cv2.GaussianBlur(img, (0, 0), 1.0), -0.6, 0)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()


def main() -> None:
    media = tempfile.mkdtemp(prefix="bench-media-")
    os.environ["MEDIA_ROOT"] = media
    teardown = setup_django()
    try:
        from django.conf import settings
        from django.db import connection

        from apps.accounts.models import User
        from apps.core.models import Job
        from apps.vision import services
        from config.celery import app as celery_app

        settings.VISION_QUOTA_BYTES = 10**12
        jpegs = photos(COUNT)
        print(
            f"{COUNT} JPEGs of {SIZE[0]}×{SIZE[1]} ({sum(map(len, jpegs)) / COUNT / 1024:.0f} KB on average); "
            f"OpenCV threads: {cv2.getNumThreads()}"
        )

        plain_enhance(jpegs[0])
        started = time.perf_counter()
        for jpeg in jpegs:
            plain_enhance(jpeg)
        baseline = COUNT / (time.perf_counter() - started)
        print(f"  plain OpenCV loop (baseline)                      {baseline:6.2f} images/s")

        user = User.objects.create_user(email="bench@example.com", password="bench-password-123")
        celery_app.conf.task_always_eager = True
        upload = services.Upload
        services.start_operation(owner=user, operation="enhance", image=upload(name="warm.jpg", data=jpegs[0]))
        started = time.perf_counter()
        for n, jpeg in enumerate(jpegs):
            services.start_operation(owner=user, operation="enhance", image=upload(name=f"img{n}.jpg", data=jpeg))
        ours = COUNT / (time.perf_counter() - started)
        failed = Job.objects.exclude(status="succeeded").count()
        print(f"  ours, job path in one process (validate, store, run) {ours:6.2f} images/s  ({failed} failed)")
        print(f"  ratio ours (one process) / baseline               {ours / baseline:6.2f}")

        env = {
            **os.environ,
            "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": media,
            "VISION_QUOTA_BYTES": str(10**12),
            "DATABASE_URL": f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{connection.settings_dict['NAME']}",
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "images",
                "-c",
                str(CONCURRENCY),
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
        )
        celery_app.conf.task_always_eager = False
        try:
            time.sleep(5)

            def wait(job_ids):
                while Job.objects.filter(pk__in=job_ids, status__in=["queued", "running"]).exists():
                    time.sleep(0.005)

            wait(
                [
                    services.start_operation(owner=user, operation="enhance", image=upload(name="w.jpg", data=j)).pk
                    for j in jpegs[: CONCURRENCY * 2]
                ]
            )  # warm every worker process
            started = time.perf_counter()
            ids = [
                services.start_operation(owner=user, operation="enhance", image=upload(name=f"q{n}.jpg", data=jpeg)).pk
                for n, jpeg in enumerate(jpegs)
            ]
            wait(ids)
            worker_rate = COUNT / (time.perf_counter() - started)
            print(f"  ours, 200 single-image jobs, real worker (-c {CONCURRENCY}) {worker_rate:6.2f} images/s")
            print(f"  ratio ours (single-image jobs) / baseline         {worker_rate / baseline:6.2f}")

            started = time.perf_counter()
            batch = services.start_operation(
                owner=user,
                operation="enhance",
                batch=[upload(name=f"b{n}.jpg", data=jpeg) for n, jpeg in enumerate(jpegs)],
            )
            wait([batch.pk])
            batch_rate = COUNT / (time.perf_counter() - started)
            batch.refresh_from_db()
            print(
                f"  ours, one batch job of {COUNT} (uploads checked, zip of outputs) {batch_rate:6.2f} images/s "
                f"({batch.result['succeeded']} succeeded)"
            )
            print(f"  ratio ours (batch job) / baseline                 {batch_rate / baseline:6.2f}  (target ≥ 0.90)")

            latencies = []
            for n in range(LATENCY_JOBS):
                started = time.perf_counter()
                job = services.start_operation(
                    owner=user, operation="enhance", image=upload(name=f"l{n}.jpg", data=jpegs[n])
                )
                wait([job.pk])
                latencies.append((time.perf_counter() - started) * 1000)
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"  latency upload → result through the worker ({LATENCY_JOBS} jobs, one at a time): "
                f"p50 {cuts[49]:.0f} ms, p99 {cuts[98]:.0f} ms (the enhancement alone: {1000 / baseline:.0f} ms)"
            )
        finally:
            worker.terminate()
            worker.wait(10)
    finally:
        teardown()
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
