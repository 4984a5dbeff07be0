from . import test_install
from . import test_rating
from . import test_tolerance
from . import test_audit_engine
from . import test_csv_invoice
from . import test_x12_210
