//! ferrokey-cmdtable (in progress).
