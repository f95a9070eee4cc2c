module github.com/kubectl-gitops/kubectl-gitops/examples/hello-gitops/app

go 1.22
