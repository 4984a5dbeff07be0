from . import test_backend
from . import test_exceptions
