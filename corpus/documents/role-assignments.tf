resource "azurerm_role_assignment" "blob_reader" {
  scope                = azurerm_storage_account.example.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = var.principal_id
  condition_version    = "2.0"
  condition            = <<-EOT
    (
     (
      !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})
     )
     OR
     (
      @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'
     )
    )
  EOT
}

resource "azurerm_role_assignment" "quoted" {
  scope                = azurerm_storage_account.example.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = var.principal_id
  condition_version    = "2.0"
  condition            = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEqual 'logs'))"
}

resource "azurerm_role_assignment" "templated" {
  scope                = azurerm_storage_account.example.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = var.principal_id
  condition_version    = "2.0"
  condition            = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals '${var.container}'"
}

resource "azurerm_role_assignment" "heredoc_broken" {
  scope                = azurerm_storage_account.example.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = var.principal_id
  condition_version    = "2.0"
  condition            = <<-EOT
    (
     !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'})
     OR
     @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringLike "logs/*"
    )
  EOT
}
