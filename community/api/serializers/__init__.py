"""The community API's serializers, one module per area; the viewsets are in community/api/<area>.py."""
