"""Yingji (应急): a grassroots emergency-management and fire-safety platform."""
