from . import logistics_backend
