"""Archive: reviews past their public period deposited with the NSPCC, losing nothing."""
