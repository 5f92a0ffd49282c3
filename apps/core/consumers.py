"""WebSocket stream of one job's status: ``/ws/jobs/<id>/`` (the owner only)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .models import Job
from .services import job_group, job_payload, watch_job

FORBIDDEN = 4403


class JobStatusConsumer(AsyncJsonWebsocketConsumer):
    """Sends the job's current state on connect, then every change until the job finishes."""

    async def connect(self):
        user = self.scope.get("user")
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        job = await self._job(user, job_id)
        if job is None:
            await self.close(code=FORBIDDEN)
            return
        self.group = job_group(job.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await database_sync_to_async(watch_job)(job_id=job.id)
        await self.accept()
        await self.send_json({"type": "job", "job": job_payload(job)})

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        pass  # the stream is one-way

    async def job_update(self, event):
        await self.send_json({"type": "job", "job": event["job"]})

    @database_sync_to_async
    def _job(self, user, job_id):
        if user is None or not user.is_authenticated:
            return None
        return Job.objects.filter(pk=job_id, owner=user).first()
