from . import test_backend
from . import test_exceptions
from . import test_x12
