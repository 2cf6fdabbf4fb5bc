//go:build tools

// Package tools records the Kubernetes commands this module builds: kube-apiserver always,
// kubectl only on a machine that has none.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
