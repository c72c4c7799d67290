# Copyright 2026 Gentoo Authors
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit acct-group

DESCRIPTION="Group of the swarm build farm orchestrator"
# An overlay may pick a free ID at install time; ::gentoo would fix one.
ACCT_GROUP_ID=-1
