# Copyright 2026 Gentoo Authors
# Distributed under the terms of the GNU General Public License v2

EAPI=8

inherit acct-user

DESCRIPTION="User of the swarm build farm orchestrator"
# An overlay may pick a free ID at install time; ::gentoo would fix one.
ACCT_USER_ID=-1
# The orchestrator's state: /var/lib/swarm/.swarm (swarm init /var/lib/swarm).
ACCT_USER_HOME=/var/lib/swarm
ACCT_USER_HOME_PERMS=0750
ACCT_USER_GROUPS=( swarm )

acct-user_add_deps
