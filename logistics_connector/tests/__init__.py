from . import test_backend
from . import test_exceptions
from . import test_x12
from . import test_clients
from . import test_signature
