//! Effects × compiled rules → decision.
