"""Item models fed by change-sets: trees and tables the views paint."""
